# Test certificates made with the `openssl` CLI (EC P-256, valid two days): make_ca() a
# self-signed CA, make_leaf() a key and certificate signed by one of them with the given
# extension lines (subjectAltName, extendedKeyUsage). Used by the TLS tests of the proxy.
import os
import subprocess


def openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{p.stdout}{p.stderr}")


def make_ca(d, name):
    """A self-signed CA `name`.pem / `name`.key in directory `d`; returns the .pem path."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj",
            f"/CN=strata test {name}", cwd=d)
    return os.path.join(d, f"{name}.pem")


def make_leaf(d, name, ca, cn, ext):
    """A key and certificate `name`.pem signed by CA `ca`, with the extension lines `ext`."""
    with open(os.path.join(d, f"{name}.ext"), "w") as f:
        f.write(ext + "\n")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={cn}", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
            cwd=d)
    return os.path.join(d, f"{name}.pem"), os.path.join(d, f"{name}.key")
