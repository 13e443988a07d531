# Ferramenta Verdi: no branding (webmail.unihost.example, 156.unihost.example),
# MX at the platform's hosts, DNS not managed: plans print the records to set.

tenant "verdi" {
  display_name = "Ferramenta Verdi"

  domain "ferramenta-verdi.example" {
    branding      = "none"
    mx            = "platform"
    max_mailboxes = 5
    services      = ["imap", "pop3", "smtp"]

    mailbox "negozio" {
      display_name  = "Ferramenta Verdi"
      quota         = "4GB"
      password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
      services      = ["pop3", "smtp"]
    }

    mailbox "ordini" {
      password_hash = "{SHA512-CRYPT}$6$d804449dca0719dc$o9siJyK6uYi.xMz30GE5BxgTsu5VnkNgb4Wp0CxYBLi6dsQ1OW3fVcs2bfaILTwPbWDJXQINa7ILGeufr58Rs/"
      enabled       = false
    }
  }
}
