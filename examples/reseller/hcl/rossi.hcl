# Rossi Costruzioni: customer branding (mail.rossi-costruzioni.example and
# webmail.rossi-costruzioni.example), an IDN alias domain, a catch-all,
# logins only from the office, mandatory 2FA.

tenant "rossi" {
  display_name  = "Rossi Costruzioni S.r.l."
  max_mailboxes = 25
  max_quota     = "25GB"
  # The mail of a mailbox deleted here is removed from the mail host
  # 30 days after the apply, by mailform purge.
  purge_deleted_mail = "30d"

  manager "it@rossi-costruzioni.example" {
    name = "Ufficio IT"
  }

  domain "rossi-costruzioni.example" {
    branding      = "customer"
    dns           = "bind"
    max_mailboxes = 20
    default_quota = "8GB"
    max_quota     = "16GB"
    allowed_ips   = ["198.51.100.20", "198.51.100.21", "2001:db8:100::/48"]
    catch_all     = "info@rossi-costruzioni.example"
    require_2fa   = true

    customization {
      hostname = "webmail.rossi-costruzioni.example"
      title    = "Rossi Costruzioni - Posta"
      logo     = "../logos/rossi.png"
    }

    alias_domain "rossicostruzioni.example" {}
    alias_domain "costruzioni-città.example" {}

    spf {
      include = ["_spf.unihost.example"]
      all     = "-all"
    }
    dmarc {
      policy = "quarantine"
      rua    = ["dmarc@rossi-costruzioni.example"]
    }
    dkim {
      selector = "rossi2026"
    }

    postmaster {
      password = env("MAILFORM_ROSSI_POSTMASTER_PASSWORD")
    }

    mailbox "info" {
      display_name  = "Rossi Costruzioni"
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
    }

    mailbox "mario.rossi" {
      display_name = "Mario Rossi"
      quota        = "16GB"
      password     = env("MAILFORM_ROSSI_MARIO_PASSWORD")
      send_limit   = 1000

      forward {
        to        = ["mario.rossi@studio-bianchi.example"]
        keep_copy = true
      }

      archive {
        retention_years = 10
        delegates       = ["info@rossi-costruzioni.example"]
      }
    }

    mailbox "anna.verdi" {
      display_name  = "Anna Verdi"
      password_hash = "$1$abcdefgh$/Cz1vZATHWXL.p7j3M.c20"
      services      = ["imap", "smtp", "webmail"]

      autoresponder {
        subject = "Fuori ufficio"
        body    = <<-EOT
          Sono fuori ufficio fino al 25 agosto.
          Per urgenze scrivete a info@rossi-costruzioni.example.
        EOT
        start   = "2026-08-01"
        end     = "2026-08-25"
      }
    }

    alias "amministrazione" {
      to = ["mario.rossi@rossi-costruzioni.example", "anna.verdi@rossi-costruzioni.example"]
    }

    alias "dmarc" {
      to = ["info@rossi-costruzioni.example"]
    }
  }
}
