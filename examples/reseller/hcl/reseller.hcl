# The reseller's own brand domain: reseller branding serves every other
# customer as mail.mailhost-reseller.example, so it is hosted here too.

tenant "mailhost" {
  display_name = "Mailhost Reseller"

  domain "mailhost-reseller.example" {
    branding = "customer"
    dns      = "bind"

    postmaster {
      password = env("MAILFORM_MAILHOST_POSTMASTER_PASSWORD")
    }

    mailbox "support" {
      display_name  = "Mailhost Support"
      password_hash = "{BLF-CRYPT}$2a$10$P8QhDQbzPaOB5TEAtjvf4ebsJda2l/uc6d8w7i7J6j3G8DnyanFVu"
    }
  }
}
