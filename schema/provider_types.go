package schema

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// settingSpec is one setting a provider type takes.
type settingSpec struct {
	name     string
	kinds    []SettingKind // what it may be written as
	required bool
	values   []string // allowed strings, when the setting is an enum
	doc      string
	// endpoint: where the provider sends its credentials. With
	// MAILFORM_PIN_ENDPOINTS it must come from the environment.
	endpoint bool
}

// providerType is a kind of backend or DNS provider and its settings. The
// providers themselves live in providers/; schema only knows what their
// blocks may say, so that a config is checked before anything is contacted.
type providerType struct {
	name     string
	doc      string
	settings []settingSpec
}

var (
	str     = []SettingKind{SettingString}
	num     = []SettingKind{SettingInt}
	boolean = []SettingKind{SettingBool}
	list    = []SettingKind{SettingList}
	secret  = []SettingKind{SettingSecret}
	// strOrEnv: a string, or a reference for one set per run.
	strOrEnv = []SettingKind{SettingString, SettingSecret}
)

// backendTypes are the mail backends.
var backendTypes = []providerType{
	{"sqlite", "An SQLite file: the embedded default, no server needed.", []settingSpec{
		{name: "path", kinds: str, doc: "Database file, relative to the config directory (default .mailform/mail.db)."},
		ownerSetting,
	}},
	{"postgres", "A PostgreSQL database.", []settingSpec{
		{name: "dsn", kinds: []SettingKind{SettingString, SettingSecret}, required: true, endpoint: true, doc: "postgres://user@host:port/db, without a password; or env(\"NAME\") holding the whole DSN."},
		{name: "password", kinds: secret, doc: "env(\"NAME\") or file(\"path\") holding the database password."},
		ownerSetting,
	}},
}

// ownerSetting lets several configs share one backend: each manages, and
// may delete, only the tenants it created under its owner name.
var ownerSetting = settingSpec{name: "owner", kinds: str, doc: "Name under which this config's tenants are kept (default \"default\"); configs sharing a backend each use their own, and never touch the others' tenants."}

// thresholdSettings are the safety thresholds every DNS provider takes.
var thresholdSettings = []settingSpec{
	{name: "change_threshold", kinds: num, doc: "Percentage of a zone's records that a plan may update or delete without --force (default 30)."},
	{name: "change_threshold_min_records", kinds: num, doc: "Zones with fewer records than this are not held to change_threshold (default 10)."},
}

// dnsTypes are the DNS providers.
var dnsTypes = []providerType{
	{"zonefile", "RFC 1035 zone files in a directory: the embedded default, no server needed.", []settingSpec{
		{name: "directory", kinds: str, doc: "Directory of the zone files, relative to the config directory (default zones)."},
		{name: "nameservers", kinds: list, required: true, doc: "NS records, and the SOA primary (the first), of a zone mailform creates."},
		{name: "hostmaster", kinds: str, doc: "SOA contact of a zone mailform creates, as an address (default hostmaster@<zone>)."},
	}},
	{"rfc2136", "Any server that takes RFC 2136 dynamic updates (BIND, Knot, PowerDNS), read by AXFR.", []settingSpec{
		{name: "server", kinds: strOrEnv, required: true, endpoint: true, doc: "host:port of the primary server, or env(\"NAME\") holding it."},
		{name: "tsig_key", kinds: str, doc: "Name of the TSIG key."},
		{name: "tsig_algorithm", kinds: str, values: []string{"hmac-sha256", "hmac-sha512"}, doc: "TSIG algorithm (default hmac-sha256)."},
		{name: "tsig_secret", kinds: secret, doc: "env(\"NAME\") or file(\"path\") holding the base64 TSIG secret."},
	}},
	{"powerdns", "The PowerDNS authoritative server's HTTP API.", []settingSpec{
		{name: "url", kinds: strOrEnv, required: true, endpoint: true, doc: "API base URL, e.g. http://127.0.0.1:8081, or env(\"NAME\") holding it."},
		{name: "api_key", kinds: secret, required: true, doc: "env(\"NAME\") or file(\"path\") holding the X-API-Key."},
		{name: "server_id", kinds: str, doc: "PowerDNS server id (default localhost)."},
		{name: "create_zones", kinds: boolean, doc: "Create a zone that does not exist yet (default false)."},
		{name: "nameservers", kinds: list, doc: "NS records of a zone mailform creates."},
	}},
	{"cloudflare", "Cloudflare DNS, through libdns.", []settingSpec{
		{name: "api_token", kinds: secret, required: true, doc: "env(\"NAME\") or file(\"path\") holding an API token with Zone.DNS edit rights."},
	}},
	{"route53", "Amazon Route 53, through libdns.", []settingSpec{
		{name: "region", kinds: str, doc: "AWS region."},
		{name: "profile", kinds: str, doc: "AWS shared-config profile."},
		{name: "access_key_id", kinds: secret, doc: "env(\"NAME\") or file(\"path\") holding the access key id."},
		{name: "secret_access_key", kinds: secret, doc: "env(\"NAME\") or file(\"path\") holding the secret access key."},
		{name: "session_token", kinds: secret, doc: "env(\"NAME\") or file(\"path\") holding a session token."},
		{name: "hosted_zone_id", kinds: str, doc: "Hosted zone id, when lookup by name is not allowed."},
	}},
}

func init() {
	for i := range dnsTypes {
		dnsTypes[i].settings = append(dnsTypes[i].settings, thresholdSettings...)
	}
}

func typeNames(types []providerType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.name
	}
	return out
}

func findType(types []providerType, name string) *providerType {
	for i := range types {
		if types[i].name == name {
			return &types[i]
		}
	}
	return nil
}

// checkProvider checks a backend or DNS provider block against its type.
func (c *checker) checkProvider(kind, name, typ string, nd *Node, settings map[string]*Setting, types []providerType) {
	if !isIdentifier(name) {
		c.errorf(nd.NameRange, "A name is lower-case letters, digits, '-', '_' and '.', starting with a letter or digit.", "%q is not a valid %s name", name, kind)
	}
	pt := findType(types, typ)
	if pt == nil {
		if typ == "" {
			return // reported as missing
		}
		detail := fmt.Sprintf("The %s types are %s.", kind, quoteList(typeNames(types)))
		if s := suggest(typ, typeNames(types)); s != "" {
			detail = fmt.Sprintf("Did you mean %q? %s", s, detail)
		}
		c.errorf(nd.At("type"), detail, "unknown %s type %q", kind, typ)
		return
	}
	known := make([]string, len(pt.settings))
	for i, s := range pt.settings {
		known[i] = s.name
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return settings[keys[i]].Range.Start.Byte < settings[keys[j]].Range.Start.Byte })
	for _, k := range keys {
		s := settings[k]
		var spec *settingSpec
		for i := range pt.settings {
			if pt.settings[i].name == k {
				spec = &pt.settings[i]
			}
		}
		if spec == nil {
			detail := fmt.Sprintf("A %s of type %s takes: type, %s.", kind, typ, strings.Join(known, ", "))
			if sg := suggest(k, known); sg != "" {
				detail = fmt.Sprintf("Did you mean %q? %s", sg, detail)
			}
			c.errorf(s.Range, detail, "unknown setting %q for %s type %s", k, kind, typ)
			continue
		}
		c.checkSetting(kind, typ, spec, s)
	}
	for _, spec := range pt.settings {
		if spec.required && settings[spec.name] == nil {
			c.errorf(nd.NameRange, fmt.Sprintf("%s", spec.doc), "%s %q of type %s needs %s", kind, name, typ, spec.name)
		}
	}
	if typ == "rfc2136" && (settings["tsig_key"] == nil) != (settings["tsig_secret"] == nil) {
		c.errorf(nd.NameRange, "Set both tsig_key and tsig_secret, or neither for a server that accepts unsigned updates from this address.", "%s %q has only half of its TSIG key", kind, name)
	}
}

func (c *checker) checkSetting(kind, typ string, spec *settingSpec, s *Setting) {
	ok := false
	for _, k := range spec.kinds {
		if k == s.Kind {
			ok = true
		}
	}
	if !ok {
		if len(spec.kinds) == 1 && spec.kinds[0] == SettingSecret {
			c.diags = append(c.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("credential %s must be a reference", spec.name),
				Detail:   fmt.Sprintf(`Credentials never live in the config: write %s = env("NAME") or %s = file("path").`, spec.name, spec.name),
				Subject:  s.Range.Ptr(),
				Extra:    Sensitive{},
			})
			return
		}
		c.errorf(s.Range, spec.doc, "%s has the wrong type for %s type %s", spec.name, kind, typ)
		return
	}
	if spec.endpoint && c.cfg.Access.PinEndpoints && (s.Kind != SettingSecret || s.Secret.Kind != SecretEnv) {
		c.errorf(s.Range, fmt.Sprintf("%s is set, so that no change to the config can send this %s's credentials elsewhere: write %s = env(\"MAILFORM_…\"), and set that variable where mailform runs.", EnvPinEndpoints, kind, spec.name),
			"%s must come from the environment in this run", spec.name)
		return
	}
	if s.Kind == SettingSecret {
		return // a reference: its value is known when the provider opens
	}
	if len(spec.values) > 0 && !contains(spec.values, s.String) {
		detail := fmt.Sprintf("%s is one of %s.", spec.name, quoteList(spec.values))
		if sg := suggest(s.String, spec.values); sg != "" {
			detail = fmt.Sprintf("Did you mean %q? %s", sg, detail)
		}
		c.errorf(s.Range, detail, "%s %q is not one of %s", spec.name, s.String, quoteList(spec.values))
	}
	switch spec.name {
	case "dsn":
		if s.Kind == SettingString && dsnHasPassword(s.String) {
			c.diags = append(c.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "dsn holds a password",
				Detail:   `Credentials never live in the config: drop the password from the DSN and set password = env("NAME"), or write dsn = env("NAME").`,
				Subject:  s.Range.Ptr(),
				Extra:    Sensitive{},
			})
		}
	case "server":
		if _, port, err := net.SplitHostPort(s.String); err != nil || !validPort(port) {
			c.errorf(s.Range, "Write host:port, such as 127.0.0.1:53 or ns1.example.net:53.", "server %q is not host:port", s.String)
		}
	case "url":
		if u, err := url.Parse(s.String); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			c.errorf(s.Range, "Write an http:// or https:// URL such as http://127.0.0.1:8081.", "url %q is not an HTTP URL", s.String)
		}
	case "nameservers":
		for _, ns := range s.List {
			if p := hostName(ns); p != nil {
				c.errorf(s.Range, p.detail, "nameserver %s", p.summary)
			}
		}
	case "hostmaster":
		if _, p := address(s.String); p != nil {
			c.errorf(s.Range, p.detail, "hostmaster: %s", p.summary)
		}
	case "change_threshold":
		if s.Int < 0 || s.Int > 100 {
			c.errorf(s.Range, "A percentage is 0-100; 100 turns the check off.", "change_threshold %d is out of range", s.Int)
		}
	case "change_threshold_min_records":
		if s.Int < 0 {
			c.errorf(s.Range, "Use 0 or more.", "change_threshold_min_records cannot be negative")
		}
	case "owner":
		if !isIdentifier(s.String) {
			c.errorf(s.Range, "An owner is lower-case letters, digits, '-', '_' and '.', such as ci-north.", "owner %q is not a valid name", s.String)
		}
	}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

// dsnHasPassword tells whether a PostgreSQL DSN, URL or key=value form,
// carries a password.
func dsnHasPassword(dsn string) bool {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if _, set := u.User.Password(); set {
			return true
		}
		return u.Query().Has("password")
	}
	for _, f := range strings.Fields(dsn) {
		if strings.HasPrefix(strings.ToLower(f), "password=") {
			return true
		}
	}
	return false
}
