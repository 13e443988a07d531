# The platform this reseller sells, the reseller itself, and where mail and
# DNS live. Each tenant has a file of its own beside this one.

platform {
  name            = "Unihost Mail"
  mail_host       = "156.unihost.example"
  webmail_url     = "https://webmail.unihost.example"
  verification_ip = "192.0.2.16"

  imap {
    port     = 993
    security = "tls"
  }
  pop3 {
    port     = 995
    security = "tls"
  }
  submission {
    port     = 587
    security = "starttls"
  }

  mx "mx01.unihost.example" {
    priority = 10
  }
  mx "mx02.unihost.example" {
    priority = 20
  }

  quotas             = ["1GB", "2GB", "4GB", "8GB", "16GB", "25GB"]
  default_quota      = "8GB"
  send_limits        = [250, 1000, 2000, 5000]
  default_send_limit = 250

  # What the config may read besides its own directory: the Cloudflare
  # token's variable (MAILFORM_* always), and the logos shared with the
  # YAML version of this example.
  allow_env        = ["CLOUDFLARE_API_TOKEN"]
  allow_files_from = ["../logos"]
}

reseller {
  name         = "Mailhost Reseller"
  ipv4         = "203.0.113.10"
  ipv6         = "2001:db8::10"
  brand_domain = "mailhost-reseller.example"
}

backend "main" {
  type = "sqlite"
  path = ".mailform/mail.db"
}

# The reseller's own name servers take dynamic updates signed with TSIG.
dns_provider "bind" {
  type           = "rfc2136"
  server         = "ns1.mailhost-reseller.example:53"
  tsig_key       = "mailform"
  tsig_algorithm = "hmac-sha256"
  tsig_secret    = env("MAILFORM_TSIG_SECRET")
}

dns_provider "cloudflare" {
  type      = "cloudflare"
  api_token = env("CLOUDFLARE_API_TOKEN")
}
