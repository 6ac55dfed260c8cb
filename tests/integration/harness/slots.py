# Redis Cluster key -> slot mapping (CRC16/XMODEM of the key or its first non-empty {hash tag},
# mod 16384), so tests can pick keys that land in different slots or the same one.
_TABLE = []
for _i in range(256):
    _c = _i << 8
    for _ in range(8):
        _c = ((_c << 1) ^ 0x1021) if _c & 0x8000 else (_c << 1)
    _TABLE.append(_c & 0xFFFF)


def crc16(data: bytes) -> int:
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[((crc >> 8) ^ b) & 0xFF]
    return crc


def key_slot(key) -> int:
    k = key.encode() if isinstance(key, str) else bytes(key)
    start = k.find(b"{")
    if start >= 0:
        end = k.find(b"}", start + 1)
        if end > start + 1:
            k = k[start + 1:end]
    return crc16(k) & 16383


def keys_in_distinct_slots(prefix: str, count: int):
    """`count` keys named prefix<N> (no hash tags), each in a different slot."""
    keys, seen = [], set()
    for i in range(count * 100):
        k = f"{prefix}{i}"
        s = key_slot(k)
        if s not in seen:
            seen.add(s)
            keys.append(k)
            if len(keys) == count:
                return keys
    raise RuntimeError("could not find keys in distinct slots")


assert crc16(b"123456789") == 0x31C3
