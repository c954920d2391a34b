"""Alert emails, built the urlwatch way: render a report from stored data, then a mailer that only sends.

render.py turns stories into an email.message.EmailMessage (pure, testable without a server);
mailer.py hands messages to an SMTP server and says, for each, whether it was accepted.
"""
