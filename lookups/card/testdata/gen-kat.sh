#!/bin/sh
# Regenerates kat.txt: known answers for chip authentication, active
# authentication and passive authentication, computed with Python's
# "cryptography" package and the openssl command, apart from the Go code
# they check. Run it from this folder; it needs python3 (cryptography) and
# openssl. Every key and certificate here is a throw-away test value.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# PKI: a CSCA and a document signer (P-256), made by Python below.
python3 - "$tmp" >"$tmp/python.txt" <<'PY'
import hashlib, sys, os
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives import hashes, serialization, cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
tmp = sys.argv[1]
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
def name(cn): return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua KAT"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
def when(y): return datetime.datetime(y, 1, 1, tzinfo=datetime.timezone.utc)
csca_key, ds_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
csca = (x509.CertificateBuilder().subject_name(name("CSCA KAT (test only)")).issuer_name(name("CSCA KAT (test only)"))
    .public_key(csca_key.public_key()).serial_number(1).not_valid_before(when(2020)).not_valid_after(when(2040))
    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    .sign(csca_key, hashes.SHA256()))
ds = (x509.CertificateBuilder().subject_name(name("Document Signer KAT (test only)")).issuer_name(csca.subject)
    .public_key(ds_key.public_key()).serial_number(2).not_valid_before(when(2020)).not_valid_after(when(2030))
    .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    .sign(csca_key, hashes.SHA256()))
open(os.path.join(tmp, "csca.pem"), "wb").write(csca.public_bytes(serialization.Encoding.PEM))
open(os.path.join(tmp, "ds.pem"), "wb").write(ds.public_bytes(serialization.Encoding.PEM))
open(os.path.join(tmp, "ds.key"), "wb").write(ds_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
def h(b): return b.hex().upper()
def out(name, b): print(f"{name:<40}  {h(b)}")
def pad(b, n=16): b = b + b"\x80"; return b + b"\x00" * (-len(b) % n)
def tlv(tag, v):
    n = len(v)
    ln = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
    return bytes([tag]) + ln + v
def aes_ecb(k, b): e = Cipher(algorithms.AES(k), modes.ECB()).encryptor(); return e.update(b) + e.finalize()
def aes_cbc(k, iv, b, enc=True):
    c = Cipher(algorithms.AES(k), modes.CBC(iv)); x = c.encryptor() if enc else c.decryptor(); return x.update(b) + x.finalize()
def aes_cmac(k, b): c = cmac.CMAC(algorithms.AES(k)); c.update(b); return c.finalize()[:8]
def pt(pub): return pub.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

# ---- chip authentication: ECDH P-256, AES-128 (id-CA-ECDH-AES-CBC-CMAC-128) ----
chip = ec.derive_private_key(0x1F2E3D4C5B6A79880102030405060708090A0B0C0D0E0F101112131415161718, ec.SECP256R1())
term = ec.derive_private_key(0x0A1B2C3D4E5F60718293A4B5C6D7E8F90112233445566778899AABBCCDDEEFF0, ec.SECP256R1())
kenc, kmac, ssc = bytes(range(1, 17)), bytes(range(17, 33)), 0
out("CA chip public key", pt(chip.public_key()))
out("CA terminal private key", term.private_numbers().private_value.to_bytes(32, "big"))
out("CA session KSenc before", kenc)
out("CA session KSmac before", kmac)
oid = bytes.fromhex("04007F000702020302 02".replace(" ", ""))
def secure(cla, ins, p1, p2, data, le):
    global ssc
    ssc += 1; s = ssc.to_bytes(16, "big")
    hdr = bytes([cla | 0x0C, ins, p1, p2])
    do87 = b""
    if data:
        ct = aes_cbc(kenc, aes_ecb(kenc, s), pad(data)); do87 = tlv(0x87, b"\x01" + ct)
    do97 = bytes([0x97, 1, le & 255]) if le else b""
    mac = aes_cmac(kmac, pad(s + pad(hdr) + do87 + do97))
    body = do87 + do97 + tlv(0x8E, mac)
    return hdr + bytes([len(body)]) + body + b"\x00"
def answer(data, sw=b"\x90\x00"):
    global ssc
    ssc += 1; s = ssc.to_bytes(16, "big")
    do87 = b""
    if data:
        do87 = tlv(0x87, b"\x01" + aes_cbc(kenc, aes_ecb(kenc, s), pad(data)))
    do99 = tlv(0x99, sw)
    mac = aes_cmac(kmac, pad(s + do87 + do99))
    return do87 + do99 + tlv(0x8E, mac) + sw
out("CA MSE:Set AT command", secure(0, 0x22, 0x41, 0xA4, tlv(0x80, oid), 0))
out("CA MSE:Set AT response", answer(b""))
out("CA GENERAL AUTHENTICATE command", secure(0, 0x86, 0, 0, tlv(0x7C, tlv(0x80, pt(term.public_key()))), 256))
out("CA GENERAL AUTHENTICATE response", answer(bytes([0x7C, 0x00])))
z = term.exchange(ec.ECDH(), chip.public_key())
out("CA shared secret", z)
out("CA KSenc", hashlib.sha1(z + b"\x00\x00\x00\x01").digest()[:16])
out("CA KSmac", hashlib.sha1(z + b"\x00\x00\x00\x02").digest()[:16])

# ---- active authentication ----
challenge = bytes.fromhex("0123456789ABCDEF")
out("AA challenge", challenge)
rk = rsa.generate_private_key(public_exponent=65537, key_size=1024)
n, d = rk.public_key().public_numbers().n, rk.private_numbers().d
k = 128
m1 = bytes([0x5A]) * (k - 2 - 20)
f = b"\x6A" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xBC"
sig = pow(int.from_bytes(f, "big"), d, n)
out("AA RSA public key (SPKI)", rk.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
out("AA RSA ISO 9796-2 signature", sig.to_bytes(k, "big"))
out("AA RSA ISO 9796-2 signature n-s", (n - sig).to_bytes(k, "big"))
ek = ec.generate_private_key(ec.SECP256R1())
r, s = decode_dss_signature(ek.sign(challenge, ec.ECDSA(hashes.SHA256())))
out("AA ECDSA public key (SPKI)", ek.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
out("AA ECDSA plain signature SHA-256", r.to_bytes(32, "big") + s.to_bytes(32, "big"))

# ---- passive authentication: an LDSSecurityObject over two data groups ----
dg1 = tlv(0x61, tlv(0x5F, b""))  # placeholder, replaced below by a real MRZ-shaped DG1
mrz = b"IDVNM0890123453001089012345<<8" + b"8903122F2903128VNM<<<<<<<<<<<4" [:30] + b"NGUYEN<<THI<THU<HA<<<<<<<<<<<<"
dg1 = bytes([0x61, 0x5D, 0x5F, 0x1F, 0x5A]) + mrz
dg13 = tlv(0x6D, tlv(0x30, tlv(0x30, bytes.fromhex("020101") + tlv(0x13, b"001089012345"))))
out("PA DG1", dg1)
out("PA DG13", dg13)
def der_int(i): return tlv(0x02, bytes([i]))
sha256 = tlv(0x30, bytes.fromhex("0609608648016503040201"))
lso = tlv(0x30, der_int(0) + sha256 + tlv(0x30,
    tlv(0x30, der_int(1) + tlv(0x04, hashlib.sha256(dg1).digest())) +
    tlv(0x30, der_int(13) + tlv(0x04, hashlib.sha256(dg13).digest()))))
open(os.path.join(tmp, "lso.der"), "wb").write(lso)
PY
for variant in "signing time:" "no signed attributes:-noattr"; do
	name=${variant%%:*}; flag=${variant#*:}
	openssl cms -sign -binary -nodetach -nosmimecap $flag -in "$tmp/lso.der" -econtent_type 2.23.136.1.1.1 \
		-signer "$tmp/ds.pem" -inkey "$tmp/ds.key" -md sha256 -outform DER -out "$tmp/sod.der"
	python3 -c "
import sys
b = open('$tmp/sod.der','rb').read(); n = len(b)
print(f\"{'PA EF.SOD, ' + '$name':<40}  \" + (bytes([0x77, 0x82, n >> 8, n & 255]) + b).hex().upper())"
done >"$tmp/sod.txt"
{
	echo "# Known answers for chip, active and passive authentication (generated by gen-kat.sh"
	echo "# with Python cryptography and openssl, apart from the Go code; throw-away test keys)."
	cat "$tmp/python.txt"
	cat "$tmp/sod.txt"
	printf '%-40s  %s\n' "PA CSCA certificate" "$(openssl x509 -in "$tmp/csca.pem" -outform DER | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F)"
} >kat.txt
