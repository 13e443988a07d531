platform {
  mail_host       = "mail.example.net"
  webmail_url     = "https://webmail.example.net"
  verification_ip = "192.0.2.16"
  mx "mx1.example.net" { priority = 10 }
}
tenant "acme" {
  display_name = "ACME\u001b[2J"
  domain "acme.example" {
    mailbox "info" {
      display_name  = "Info\u0000Desk"
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
      autoresponder {
        subject = "Away\nBcc: everyone@example.net"
        body    = "I am away.\n\tBack on Monday.\r\n"
      }
    }
  }
  relay_user "web" {
    password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    sender_domains = ["acme.example"]
    notes          = "line one\nline two"
  }
}
