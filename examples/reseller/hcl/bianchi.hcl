# Studio Bianchi: reseller branding (webmail.mailhost-reseller.example,
# mail.mailhost-reseller.example), MX pointing at the reseller's host, DNS
# at Cloudflare.

tenant "bianchi" {
  display_name = "Studio Bianchi"
  max_quota    = "8GB"

  domain "studio-bianchi.example" {
    branding = "reseller"
    mx       = "reseller"
    dns      = "cloudflare"

    mailbox "luca" {
      display_name  = "Luca Bianchi"
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"

      autoresponder {
        subject = "In ferie"
        body    = "Rientro il 7 gennaio."
        start   = "2026-12-22T18:00:00+01:00"
        end     = "2027-01-07T08:00:00+01:00"
      }
    }

    mailbox "mario.rossi" {
      display_name  = "Mario Rossi (consulente)"
      quota         = "4GB"
      password_hash = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"
    }

    # Mail to the front desk goes to the partners' own addresses; no copy
    # stays here.
    mailbox "segreteria" {
      display_name  = "Segreteria"
      quota         = "2GB"
      password_hash = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"

      forward {
        to        = ["luca@studio-bianchi.example", "bianchi.partner@mail.example.org"]
        keep_copy = false
      }
    }

    alias "info" {
      to = ["luca@studio-bianchi.example", "segreteria@studio-bianchi.example"]
    }
  }
}
