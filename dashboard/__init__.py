"""Operations dashboard inside the Django admin (filled by a later issue)."""
