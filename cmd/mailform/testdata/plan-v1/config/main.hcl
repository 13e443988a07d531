# mailform quickstart: one tenant with one domain, on the embedded defaults.
# No backend block: mailboxes live in SQLite, in .mailform/mail.db beside
# this file. The zone lives in a zone file under zones/. Nothing else has to
# run.

platform {
  name            = "Example Mail"
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"

  mx "mx1.example.net" {
    priority = 10
  }
  mx "mx2.example.net" {
    priority = 20
  }
}

dns_provider "local" {
  type        = "zonefile"
  directory   = "zones"
  nameservers = ["ns1.example.net", "ns2.example.net"]
}

tenant "acme" {
  display_name = "ACME Ltd"

  domain "acme.example" {
    dns = "local"

    postmaster {
      password_hash = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"
    }

    mailbox "info" {
      display_name  = "ACME Info"
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }

    alias "sales" {
      to = ["info@acme.example"]
    }
  }
}
