platform {
  mail_host             = "mail.example.net"
  webmail_url           = "https://webmail.example.net"
  verification_ip       = "192.0.2.16"
  ownership_proof       = "email"
  dns_resolver          = "127.0.0.1:99999"
  authoritative_servers = ["ns1.example.net", "not a host"]
  mx "mx1.example.net" { priority = 10 }
}
tenant "acme" {
  domain "acme.example" {
    authoritative_servers = ["192.0.2.53:x"]
  }
}
