# SMTP relay users: transactional sending accounts for a customer's website
# and shop. Each may send only from senders in its tenant's domains, which
# the platform has verified; a user without a sender cannot be active.

platform {
  name            = "Example Mail"
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"

  mx "mx1.example.net" {
    priority = 10
  }

  relay {
    host     = "relay.example.net"
    port     = 2525
    starttls = true
  }
}

dns_provider "local" {
  type        = "zonefile"
  nameservers = ["ns1.example.net", "ns2.example.net"]
}

tenant "shopco" {
  display_name = "ShopCo"

  domain "shopco.example" {
    dns = "local"

    alias_domain "shopco-store.example" {}

    mailbox "orders" {
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }
  }

  domain "news.shopco.example" {
    dns = "local"
  }

  relay_user "website" {
    password         = env("MAILFORM_SHOPCO_RELAY_WEBSITE")
    sender_addresses = ["noreply@shopco.example", "orders@shopco.example"]
    priority         = "high"
    notes            = "order confirmations from the web shop"
  }

  relay_user "newsletter" {
    password       = env("MAILFORM_SHOPCO_RELAY_NEWSLETTER")
    sender_domains = ["news.shopco.example"]
    priority       = "low"
    notes          = "weekly newsletter"
  }

  # Kept for the old shop until it is switched off; it cannot send.
  relay_user "legacy-shop" {
    password_hash  = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"
    sender_domains = ["shopco-store.example"]
    active         = false
  }
}
