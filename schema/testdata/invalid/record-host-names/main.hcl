platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
tenant "acme" {
  domain "acme.example" {
    record {
      name  = "a_b"
      type  = "A"
      value = "192.0.2.7"
    }
    record {
      name  = "-x"
      type  = "AAAA"
      value = "2001:db8::7"
    }
    record {
      name  = "_mail"
      type  = "MX"
      value = "10 mx.example.net."
    }
    record {
      name  = "_imaps._tcp"
      type  = "SRV"
      value = "0 1 993 m_x.example.net."
    }
    record {
      name  = "sub"
      type  = "NS"
      value = "n_s.example.net."
    }
    record {
      name  = "*"
      type  = "A"
      value = "192.0.2.9"
    }
    record {
      name  = "_dkim-ok"
      type  = "TXT"
      value = "underscores are fine here"
    }
  }
}
