platform {
  name            = "Test Mail"
  mail_host       = "mail.platform.example"
  webmail_url     = "https://webmail.platform.example"
  verification_ip = "192.0.2.16"
  spf_include     = ["_spf.platform.example"]

  mx "mx1.platform.example" {
    priority = 10
  }
  mx "mx2.platform.example" {
    priority = 20
  }
}

reseller {
  ipv4         = "203.0.113.10"
  ipv6         = "2001:db8::10"
  brand_domain = "brand.example"
}

dns_provider "zones" {
  type        = "zonefile"
  nameservers = ["ns1.platform.example", "ns2.platform.example"]
}

tenant "brand" {
  domain "brand.example" {
    branding = "customer"
    dns      = "zones"

    postmaster {
      password = env("MAILFORM_BRAND_PM")
    }
  }
}

tenant "acme" {
  display_name = "ACME"

  # Customer branding in a zone that already holds the website and an old
  # mail provider's MX and SPF.
  domain "acme.example" {
    branding  = "customer"
    dns       = "zones"
    catch_all = "info@acme.example"

    alias_domain "acmé.example" {}

    dkim {
      selector = "s2026"
    }

    pec {
      placement = "parent"
    }

    mailbox "info" {
      password = env("MAILFORM_ACME_INFO")
      forward {
        to = ["boss@example.org"]
      }
    }

    mailbox "sales" {
      quota         = "4GB"
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
      autoresponder {
        subject = "Away"
        body    = "Back on Monday."
        start   = "2026-08-01"
        end     = "2026-08-25"
      }
    }

    alias "team" {
      to = ["info@acme.example", "sales@acme.example"]
    }

    record {
      name  = "www"
      type  = "A"
      value = "198.51.100.80"
    }
  }

  # Reseller branding; cert.acme.test is a delegated zone of its own.
  domain "acme.test" {
    branding = "reseller"
    mx       = "reseller"
    dns      = "zones"

    pec {
      placement = "auto"
    }
  }

  # No DNS provider: the plan says what to publish.
  domain "unmanaged.example" {
    mailbox "shop" {
      password = env("MAILFORM_SHOP_PW")
    }
  }

  relay_user "web" {
    password       = env("MAILFORM_ACME_RELAY")
    sender_domains = ["acme.example"]
  }
}
