platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"

  mx "mx1.example.net" {
    priority = 10
  }
}

dns_provider "local" {
  type        = "zonefile"
  nameservers = ["ns1.example.net"]
}
