"""No models: the module exists so that `migrate` sends this app post_migrate (apps.py makes the
cache table then)."""
