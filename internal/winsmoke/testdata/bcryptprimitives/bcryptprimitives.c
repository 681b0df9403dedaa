/*
 * Test-only bcryptprimitives.dll for running Go's Windows binaries under Wine 8.0 (Debian 12).
 *
 * Since Go 1.24 the Windows runtime loads bcryptprimitives.dll from the system folder at start
 * and calls its ProcessPrng for random bytes; Wine 8.0 has no such DLL, so every Go program dies
 * with "fatal error: bcryptprimitives.dll not found" before main. This DLL exports ProcessPrng over
 * advapi32's SystemFunction036 (RtlGenRandom), which Wine implements over the host's random
 * source. The Windows smoke test (internal/winsmoke) builds it with Debian's gcc-mingw-w64 and puts
 * it into its own temporary Wine prefix only; it is never shipped and never installed elsewhere.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* ProcessPrng fills data with len random bytes. Windows documents it as always returning TRUE;
 * here a failure of the source returns FALSE, which Go's runtime turns into a fatal error. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

/* Built with -nostdlib: this is the whole entry point. */
BOOL WINAPI DllMainCRTStartup(HINSTANCE dll, DWORD reason, LPVOID reserved)
{
    (void)dll;
    (void)reason;
    (void)reserved;
    return TRUE;
}
