/* A deliberately broken C extension for pycore's log corpus (corpus/logs/generate.py builds it
 * with the machine's gcc against each interpreter's headers). It is not part of the standard
 * library, so faulthandler (3.10+) names it in its "Extension modules:" line.
 *
 *   segv()                  writes through a NULL pointer (SIGSEGV inside this module)
 *   assert_fail()           a failing C assert() (glibc prints the message, then SIGABRT)
 *   fatal_with_exception()  Py_FatalError() while an exception is set
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#undef NDEBUG
#include <assert.h>

static int *volatile null_target = NULL;
static void *volatile maybe_null = NULL;

static PyObject *segv(PyObject *self, PyObject *args) {
    *null_target = 42;
    Py_RETURN_NONE;
}

static PyObject *assert_fail(PyObject *self, PyObject *args) {
    assert(maybe_null != NULL);
    Py_RETURN_NONE;
}

static PyObject *fatal_with_exception(PyObject *self, PyObject *args) {
    PyErr_SetString(PyExc_ValueError, "pycore corpus: exception pending at the fatal error");
    Py_FatalError("pycore corpus: extension gave up with an exception set");
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"segv", segv, METH_NOARGS, NULL},
    {"assert_fail", assert_fail, METH_NOARGS, NULL},
    {"fatal_with_exception", fatal_with_exception, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "pycore_crashext", NULL, -1, methods};

PyMODINIT_FUNC PyInit_pycore_crashext(void) { return PyModule_Create(&module); }
