"""Settings for the whole test session.

BLAS and OpenMP run one thread each: the tests use tiny arrays, for which more threads
only add overhead, and on a shared machine idle-spinning BLAS threads made the core suite
about five times slower. (The environment variables reach libraries loaded later; the
runtime limit reaches those already loaded.)
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import sklearn.linear_model  # noqa: E402,F401 - load numpy, scipy and sklearn's OpenMP first
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(limits=1)
