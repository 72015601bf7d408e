"""The front desk: clinic price lists, batch quoting from uploaded CSV, and the desk workflow."""
