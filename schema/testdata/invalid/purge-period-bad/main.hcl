platform {
  mail_host          = "mail.example.net"
  webmail_url        = "https://webmail.example.net"
  verification_ip    = "192.0.2.16"
  purge_deleted_mail = "30"
  mx "mx1.example.net" { priority = 10 }
}
tenant "acme" {
  purge_deleted_mail = "1 month"
  domain "acme.example" {
    purge_deleted_mail = 30
  }
}
