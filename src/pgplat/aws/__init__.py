"""boto3 sessions: roles assumed with credentials botocore refreshes, and one session per
account role of the configuration's ``deploy:`` section."""
