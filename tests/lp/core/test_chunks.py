"""Long lists go to the database in parts (lp.core.chunks): every item once, in order."""

import pytest

from lp.core.chunks import chunked, chunks


@pytest.mark.parametrize("length", [0, 1, 499, 500, 501, 1234])
def test_every_item_once_in_order_in_parts_of_at_most_the_size(length):
    items = list(range(length))
    parts = list(chunks(items, 500))
    assert [item for part in parts for item in part] == items
    assert all(len(part) == 500 for part in parts[:-1]) and all(0 < len(part) <= 500 for part in parts)
    assert list(chunked(iter(items), 500)) == parts


def test_bytes_stay_bytes_and_a_size_below_one_is_refused():
    assert list(chunks(b"abcde", 2)) == [b"ab", b"cd", b"e"]
    with pytest.raises(ValueError):
        list(chunks([1], 0))
