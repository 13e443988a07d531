platform {
  name            = "Example Mail"
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"

  mx "mx1.example.net" {
    priority = 10
  }
}
