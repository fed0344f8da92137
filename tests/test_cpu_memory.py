"""The trainer's CPU allocator setting (`freed_memory_kept_in_heap`) must not make large allocations fail.

With mmap disabled, glibc serves large blocks from the heap; threads other than the main one have
their own arenas, limited to 64 MB heaps, and must still get blocks larger than that (glibc then
falls back to mmap). Run in a fresh process, so the setting starts from glibc's defaults.
"""
import platform, subprocess, sys, textwrap
import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason='the setting applies to glibc only')

def test_large_allocations_after_keeping_freed_memory():
    code = textwrap.dedent('''
        import threading, torch
        from avgas.core import freed_memory_kept_in_heap
        block = freed_memory_kept_in_heap(); assert block.__enter__()
        sums = []
        def work():
            for _ in range(3):   # allocate, free, allocate again: 256 MB blocks, twice the largest thread heap
                x = torch.ones(64, 1024, 1024); sums.append(float(x.sum())); del x
        ts = [threading.Thread(target=work) for _ in range(2)]
        for t in ts: t.start()
        work()
        for t in ts: t.join()
        assert sums == [64 * 1024 * 1024.0] * 9, sums
        block.__exit__(None, None, None)
        print('ok')
    ''')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith('ok'), r.stderr[-2000:]
