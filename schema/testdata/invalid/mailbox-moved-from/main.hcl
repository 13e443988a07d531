platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}

tenant "acme" {
  domain "acme.test" {
    mailbox "info" {
      password_hash = "$1$abcdefgh$0123456789012345678901"
      moved_from    = "info@acme.test"
    }
    mailbox "sales" {
      password_hash = "$1$abcdefgh$0123456789012345678901"
      moved_from    = "info@acme.test"
    }
    mailbox "shop" {
      password_hash = "$1$abcdefgh$0123456789012345678901"
      moved_from    = "not an address"
    }
    mailbox "anna" {
      password_hash = "$1$abcdefgh$0123456789012345678901"
      moved_from    = "old@acme.test"
    }
    mailbox "bruno" {
      password_hash = "$1$abcdefgh$0123456789012345678901"
      moved_from    = "old@acme.test"
    }
  }
}
