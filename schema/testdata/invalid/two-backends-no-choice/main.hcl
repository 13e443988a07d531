platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
backend "a" {
  type = "sqlite"
}
backend "b" {
  type = "sqlite"
  path = "b.db"
}
tenant "acme" {
  domain "acme.example" {}
}
