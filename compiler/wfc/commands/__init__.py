"""One module per `wfc` subcommand; `wfc.cli` imports each only when it runs."""
