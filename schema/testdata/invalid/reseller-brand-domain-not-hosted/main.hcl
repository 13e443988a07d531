platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
reseller {
  ipv4         = "203.0.113.10"
  brand_domain = "brand.example"
}

tenant "acme" {
  domain "acme.example" {
    branding = "reseller"
  }
}
