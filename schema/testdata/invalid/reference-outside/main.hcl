platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
  allow_env = ["ACME_*", "A-B"]
}
dns_provider "pdns" {
  type    = "powerdns"
  url     = "http://127.0.0.1:8081"
  api_key = file("../../../.env")
}
tenant "acme" {
  domain "acme.example" {
    customization {
      logo = "../../../../../../../etc/hostname"
    }
    mailbox "info" {
      password = env("AWS_SECRET_ACCESS_KEY")
    }
    mailbox "sales" {
      password = env("ACME_SALES_PASSWORD")
    }
    mailbox "root" {
      password = file("/etc/shadow")
    }
  }
}
