package main

// The providers this build offers register themselves.
import (
	_ "github.com/mailform/mailform/providers/dns/libdnsadapter"
	_ "github.com/mailform/mailform/providers/dns/powerdns"
	_ "github.com/mailform/mailform/providers/dns/rfc2136"
	_ "github.com/mailform/mailform/providers/dns/zonefile"
	_ "github.com/mailform/mailform/providers/mail/sql"
)
