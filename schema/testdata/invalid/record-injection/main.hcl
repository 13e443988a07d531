platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
tenant "acme" {
  domain "acme.example" {
    record {
      name  = "a"
      type  = "A"
      value = "192.0.2.7\n$INCLUDE /etc/passwd"
    }
    record {
      name  = "t"
      type  = "TXT"
      value = "hello\n$INCLUDE /etc/passwd"
    }
    record {
      name  = "c"
      type  = "CNAME"
      value = "t.evil.test.\n$ORIGIN evil.test."
    }
    record {
      name  = "cr"
      type  = "TXT"
      value = "hello\r\nworld"
    }
    record {
      name  = "comment"
      type  = "A"
      value = "192.0.2.8 ; and the rest"
    }
    record {
      name  = "paren"
      type  = "MX"
      value = "10 ( mx.example.net. )"
    }
    record {
      name  = "second"
      type  = "CNAME"
      value = "a.example.net. b.example.net."
    }
    record {
      name  = "caa"
      type  = "CAA"
      value = "0 issue \"letsencrypt.org\" ; x"
    }
    record {
      name  = "nul"
      type  = "TXT"
      value = "before\u0000after"
    }
  }
}
