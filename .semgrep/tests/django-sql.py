# Fixtures for .semgrep/rules/django-sql.yml, checked by `semgrep --test` (make security).
from django.db import connection
from django.db.models.expressions import RawSQL
from psycopg import sql

from accounts.models import User

TABLE = "accounts_user"


def execute_cases(cursor, email, order):
    # ruleid: migof-sql-built-from-strings
    cursor.execute(f"SELECT id FROM accounts_user WHERE email = '{email}'")
    # ruleid: migof-sql-built-from-strings
    cursor.execute("SELECT id FROM accounts_user WHERE email = '%s'" % email)
    # ruleid: migof-sql-built-from-strings
    cursor.execute("SELECT id FROM accounts_user ORDER BY {}".format(order))
    # ruleid: migof-sql-built-from-strings
    cursor.execute("SELECT id FROM accounts_user ORDER BY " + order)
    query = f"SELECT id FROM accounts_user WHERE email = '{email}'"
    # ruleid: migof-sql-built-from-strings
    cursor.execute(query)
    # ruleid: migof-sql-built-from-strings
    cursor.executemany("DELETE FROM accounts_user WHERE email = " + email, [()])
    # ok: migof-sql-built-from-strings
    cursor.execute("SELECT id FROM accounts_user WHERE email = %s", [email])
    # ok: migof-sql-built-from-strings
    cursor.execute("SELECT 1")
    # A module constant is a constant statement.
    # ok: migof-sql-built-from-strings
    cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
    # ok: migof-sql-built-from-strings
    cursor.execute(sql.SQL("SELECT id FROM {} WHERE email = %s").format(sql.Identifier(TABLE)), [email])
    with connection.cursor() as cur:
        # ruleid: migof-sql-built-from-strings
        cur.execute(f"DELETE FROM accounts_user WHERE id = {email}")


def raw_cases(email):
    # ruleid: migof-sql-built-from-strings
    User.objects.raw(f"SELECT * FROM accounts_user WHERE email = '{email}'")
    # ok: migof-sql-built-from-strings
    User.objects.raw("SELECT * FROM accounts_user WHERE email = %s", [email])


def fragment_cases(order):
    # ruleid: migof-raw-sql-fragment, migof-sql-built-from-strings
    User.objects.annotate(x=RawSQL("SELECT 1 FROM x WHERE y = " + order, []))
    # ruleid: migof-raw-sql-fragment
    User.objects.annotate(x=RawSQL("SELECT 1", []))
    # ruleid: migof-raw-sql-fragment
    User.objects.extra(where=["email = 'x'"])
    # ruleid: migof-raw-sql-fragment
    User.objects.extra(select={"lower": "lower(email)"})
    # Not Django's QuerySet.extra (elasticsearch-dsl's, for example).
    # ok: migof-raw-sql-fragment
    User.objects.using("default").filter(email=order)
