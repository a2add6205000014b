"""An RDS IAM auth token made by botocore (an independent SigV4 implementation), from the
environment's credentials. Usage: iam_token.py <host> <port> <user> <region>"""
import sys

import botocore.session

host, port, user, region = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
client = botocore.session.get_session().create_client("rds", region_name=region)
print(client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user, Region=region))
