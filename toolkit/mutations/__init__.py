"""Generated mutations: create/update/delete, nested and bulk writes, and method mutations."""
