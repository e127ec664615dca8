from gongzhi.core import pii


def test_encrypt_roundtrip_and_random_nonce():
    a, b = pii.encrypt("11010519491231002X"), pii.encrypt("11010519491231002X")
    assert a != b and "11010519491231002X" not in a
    assert pii.decrypt(a) == pii.decrypt(b) == "11010519491231002X"


def test_keyed_hash_is_stable_and_purpose_bound():
    assert pii.keyed_hash("11010519491231002x") == pii.keyed_hash("11010519491231002X")
    assert pii.keyed_hash("13812345678", purpose="phone") != pii.keyed_hash("13812345678")
    assert pii.keyed_hash("") == ""


def test_masks():
    assert pii.mask_id_number("35010219800517001X") == "3501**********001X"
    assert pii.mask_phone("13812345678") == "138****5678"
