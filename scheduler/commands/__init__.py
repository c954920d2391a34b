"""The CLI's commands, one module per topic; scheduler/cli.py assembles them."""
