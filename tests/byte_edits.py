"""Random edits of a valid file's bytes, for the fuzz tests of the model loader
(tests/test_io_fuzz.py) and of the CSV reader (tests/test_readers.py)."""


def edit(data: bytes, operations) -> bytes:
    """``data`` after ``operations``: (kind, position, value) with kind "flip" (xor one byte with
    value's first), "insert" (value), "delete" (as many bytes as value has) or "truncate"; the
    position is taken modulo the length, so that any integer is a place."""
    buffer = bytearray(data)
    for kind, position, value in operations:
        at = position % (len(buffer) + 1)
        if kind == "flip" and buffer:
            buffer[at % len(buffer)] ^= value[0] or 1
        elif kind == "insert":
            buffer[at:at] = value
        elif kind == "delete":
            del buffer[at : at + len(value)]
        elif kind == "truncate":
            del buffer[at:]
    return bytes(buffer)
