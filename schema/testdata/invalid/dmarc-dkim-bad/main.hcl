platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
tenant "acme" {
  domain "acme.example" {
    dmarc {
      policy  = "quarantine"
      percent = 150
      rua     = ["reports"]
    }
    dkim {
      selector = "bad_selector"
      key_type = "ed25519"
      key_bits = 2048
    }
  }
}
