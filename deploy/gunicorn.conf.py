"""gunicorn settings for LP-tracker (used by `make serve` and the systemd unit).

The access log leaves out query strings: search terms (names) must not reach logs.
"""

bind = "127.0.0.1:8000"
workers = 3
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)s'
# The scheduler never runs in web workers (LP_SCHEDULER stays off here).
raw_env = ["LP_SCHEDULER=0"]
timeout = 60
