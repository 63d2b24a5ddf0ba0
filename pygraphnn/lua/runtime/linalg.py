"""Torch7's LAPACK functions (``torch.inverse``, ``gesv``, ``trtrs``, ``potrf``, ``potrs``,
``potri``, ``symeig``, ``eig``, ``svd``, ``qr``) with Lua's arguments and results.

Results are new tensors (the result-first forms ``torch.gesv(rb, ra, B, A)`` are not
supported); character options are Lua's (``'U'``/``'L'``, ``'N'``/``'V'``, ``'S'``/``'A'``).

Example::

    >>> import torch
    >>> from pygraphnn.lua.runtime.linalg import LINALG
    >>> a = torch.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=torch.float64)
    >>> x, lu = LINALG["gesv"](torch.tensor([[2.0], [1.0]], dtype=torch.float64), a)   # a x = b
    >>> x.reshape(-1).tolist()
    [0.5, 0.0]
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["LINALG"]


def _matrix(a, name: str, square: bool = True) -> torch.Tensor:
    if not isinstance(a, torch.Tensor) or a.dim() != 2 or (square and a.shape[0] != a.shape[1]):
        what = "a square matrix" if square else "a matrix"
        got = f"a {a.dim()}-D tensor of size {tuple(a.shape)}" if isinstance(a, torch.Tensor) else type(a).__name__
        raise ValueError(f"torch.{name}: expected {what}, got {got}")
    return a


def _option(value, allowed: str, name: str) -> str:
    if value not in tuple(allowed):
        raise ValueError(f"torch.{name}: option must be one of {list(allowed)}, got {value!r}")
    return value


def inverse(a: torch.Tensor) -> torch.Tensor:
    """``torch.inverse(A)``."""
    return torch.linalg.inv(_matrix(a, "inverse"))


def gesv(b: torch.Tensor, a: torch.Tensor):
    """``torch.gesv(B, A)`` -> (X with A X = B, A's LU factors as LAPACK's getrf packs them)."""
    lu, pivots = torch.linalg.lu_factor(_matrix(a, "gesv"))
    x = torch.linalg.lu_solve(lu, pivots, b if b.dim() == 2 else b.unsqueeze(1))
    return x, lu


def trtrs(b: torch.Tensor, a: torch.Tensor, uplo: str = "U", trans: str = "N", diag: str = "N"):
    """``torch.trtrs(B, A, [uplo], [trans], [diag])`` -> (X solving the triangular system, A)."""
    a = _matrix(a, "trtrs")
    upper = _option(uplo, "UL", "trtrs") == "U"
    m = a
    if _option(diag, "NU", "trtrs") == "U":  # a unit diagonal is assumed, not read
        m = a.clone()
        m.diagonal().fill_(1)
    if _option(trans, "NT", "trtrs") == "T":
        m = m.t()
    x = torch.linalg.solve_triangular(m, b if b.dim() == 2 else b.unsqueeze(1), upper=upper != (trans == "T"))
    return x, a


def potrf(a: torch.Tensor, uplo: str = "U") -> torch.Tensor:
    """``torch.potrf(A, [uplo])``: the Cholesky factor, upper (A = U'U, default) or lower."""
    low = torch.linalg.cholesky(_matrix(a, "potrf"))
    return low.t().contiguous() if _option(uplo, "UL", "potrf") == "U" else low


def potrs(b: torch.Tensor, chol: torch.Tensor, uplo: str = "U") -> torch.Tensor:
    """``torch.potrs(B, chol, [uplo])``: X with A X = B from A's Cholesky factor."""
    low = chol.t() if _option(uplo, "UL", "potrs") == "U" else chol
    return torch.cholesky_solve(b if b.dim() == 2 else b.unsqueeze(1), low, upper=False)


def potri(chol: torch.Tensor, uplo: str = "U") -> torch.Tensor:
    """``torch.potri(chol, [uplo])``: A's inverse from its Cholesky factor."""
    return torch.cholesky_inverse(_matrix(chol, "potri"), upper=_option(uplo, "UL", "potri") == "U")


def symeig(a: torch.Tensor, jobz: str = "N", uplo: str = "U"):
    """``torch.symeig(A, [jobz], [uplo])`` -> (ascending eigenvalues, eigenvectors as
    columns when ``jobz`` is ``'V'``; else LAPACK's scratch in Lua, zeros here)."""
    a = _matrix(a, "symeig")
    vals, vecs = torch.linalg.eigh(a, UPLO=_option(uplo, "UL", "symeig"))
    return vals, vecs if _option(jobz, "NV", "symeig") == "V" else torch.zeros_like(a)


def eig(a: torch.Tensor, jobvr: str = "N"):
    """``torch.eig(A, [jobvr])`` -> (n x 2 eigenvalues: real and imaginary parts, the
    right eigenvectors when ``jobvr`` is ``'V'`` (real matrices' real eigenvectors))."""
    a = _matrix(a, "eig")
    if _option(jobvr, "NV", "eig") == "V":
        vals, vecs = torch.linalg.eig(a)
        vecs = vecs.real.to(a.dtype)
    else:
        vals, vecs = torch.linalg.eigvals(a), torch.zeros_like(a)
    return torch.stack([vals.real, vals.imag], 1).to(a.dtype), vecs


def svd(a: torch.Tensor, jobu: str = "S"):
    """``torch.svd(A, [jobu])`` -> (U, S, V) with A = U diag(S) V' (``'S'`` reduced, ``'A'`` full)."""
    u, s, vh = torch.linalg.svd(_matrix(a, "svd", square=False), full_matrices=_option(jobu, "SA", "svd") == "A")
    return u, s, vh.t().contiguous()


def qr(a: torch.Tensor):
    """``torch.qr(A)`` -> (Q, R), the reduced factorisation."""
    q, r = torch.linalg.qr(_matrix(a, "qr", square=False))
    return q, r


#: ``torch.<name>`` -> function
LINALG: dict[str, Callable] = {
    "inverse": inverse,
    "gesv": gesv,
    "trtrs": trtrs,
    "potrf": potrf,
    "potrs": potrs,
    "potri": potri,
    "symeig": symeig,
    "eig": eig,
    "svd": svd,
    "qr": qr,
}
