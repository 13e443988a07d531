# A comment that stays.
tenant "acme" {
display_name="ACME"
    domain "acme.example" {
  dns = "local"   # trailing comment
      mailbox "info" {
        quota = "8GB"
            password_hash = "{SHA512-CRYPT}$6$5ab62dd47c81c15e$rdfseFDLhtCkR4t7z/zICIAwissrbNU1Le1PCZnGOaZY0BYfC8RHnAvjUWg2LMSl160ZBrCAOPa8T1caGXUCX/"
      }
  }
}
