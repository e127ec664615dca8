"""A trivial capability app used by the tests: it proves a new app needs nothing outside its folder
and one line of INSTALLED_APPS (added only in config/settings/test.py), and gives the ledger base a
concrete ledger to test against."""
