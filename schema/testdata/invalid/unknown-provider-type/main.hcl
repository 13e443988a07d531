platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
dns_provider "cf" {
  type      = "cloudflair"
  api_token = env("MAILFORM_CF_TOKEN")
}
backend "db" {
  type = "sqlite"
  paht = "mail.db"
}
