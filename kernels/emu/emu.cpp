// emu.cpp: runs the CUDA kernels of ../quench.cu on the CPU, so their
// logic (indexing, byte order, tables, 64-bit offsets, barriers, the
// blocks' atomics) is checked against the Go CPU backend on machines
// without a GPU (kernels/emu_test.go). A CUDA thread is a fiber, a block
// the fibers of one worker thread, which runs them in turn from barrier
// to barrier (in an order shuffled at each); QUENCH_EMU_WORKERS workers
// (default 4) run a grid's blocks at once, dealt in a shuffled order
// (block_order). Built with -fsanitize=thread (make emu-race), it reports
// a race between two threads of a block or two blocks. It says nothing
// about speed.
//
// usage: emu MODE in out
//   MODE sweep: in = header + spins + table; out = spins + sums
//   MODE kat:   in = n, ctr[4n], key[2n]; out = 4n words
//   MODE gauss: in = n, words[4n]; out = per word quadruple 4 floats
//               (quench_gaussians32) and 2 doubles (quench_gaussians)
//   MODE phi4:  in = elem size (4|8), scheme (0 em, 1 lm, 2 baoab, 3 modelb),
//               steps, looping (0/1), first step (int64 each), the qphi4
//               block, phi[, mom];
//               out = phi[, mom] after the steps
//   MODE particles: in = elem size, steps, has omega, first step (int64
//               each), the qpart block, x, v[, omega]; out = x, v after
//               the steps (the phase sums of each kuramoto step taken as
//               the gpu backend takes them on the device: phase_partials,
//               field_groups, phase_total; checked against the host's), and
//               for kuramoto the phase sums C, S (2 doubles) of the final x,
//               then of a copy of it one element further
//   MODE fieldsums: in = type (4 float, 8 double, 9 int64), dim, L0, L1,
//               L2, n (int64 each), the n elements; out = the partials of
//               field_sums, 6 + 3 dim doubles per block of 4096, then
//               field_groups of them (6 + 3 dim doubles per group of 64
//               blocks, then for int64 the groups' units), for the
//               elements at a 16-byte aligned address, then for them one
//               element further
//   MODE phasetotal: in = ng (int64), ng pairs of doubles; out = the two
//               sums of phase_total
//   MODE fieldgroups: in = width, units (0 or 1), nblk (int64 each), the
//               nblk * width partials; out = field_groups of them
//   MODE heightcounts: in = nbox, e1, e2, s0, s1, origin (int64 each, a
//               quench.BoxGeom), uint8 heights; out = the 8 counts of
//               height_counts on 3 blocks of 64 threads, then on 1 of 256
//   MODE sharedjunk: in = anything; out = for each thread of 2 launches
//               of 64 blocks of 4 threads (uint64 pairs, block by block):
//               what it found in its slot of a shared array before
//               writing it, and, after a barrier, its neighbour's slot
#include "runtime.h"

// shared_junk (MODE sharedjunk) checks the emulator itself: each thread
// records what its slot of a shared array holds before it writes it, which
// must be junk in every block (runtime.h, QUENCH_SHARED), not zeros nor
// the marks the worker's previous block left.
static void shared_junk(uint64_t* out) {
    QUENCH_SHARED(uint64_t, slot, [4]);
    const unsigned t = threadIdx.x, b = blockIdx.x;
    out[2 * (b * 4 + t)] = slot[t];
    slot[t] = 0x5555 + b;
    __syncthreads();
    // the fill came once, before any thread wrote: every mark is there
    out[2 * (b * 4 + t) + 1] = slot[(t + 1) % 4];
}

// grid_barrier (MODE gridbarrier) checks sandpile.cu's grid barrier: in
// each of 40 rounds every block's threads add 1 to the round's count, and
// after the barrier every thread reads it, which must be every thread of
// the grid (out[round] counts the threads that read another value). Block
// `skip` (when below gridDim.x) leaves at once, so the others wait at the
// barrier for the 2 s limit and trap.
static void grid_barrier(unsigned long long* bar, unsigned long long* count, unsigned long long* out, int64_t skip) {
    if ((int64_t)blockIdx.x == skip) return;
    const unsigned long long all = (unsigned long long)gridDim.x * blockDim.x;
    for (int r = 0; r < 40; r++) {
        atomicAdd(&count[r], 1ull);
        qgrid_sync(bar, 2000000000ull);
        if (__ldcg(&count[r]) != all) atomicAdd(&out[r], 1ull);
    }
}

// launch_rows launches a row kernel of type T like the gpu backend
// (kernels.RowLaunch): blocks of bx x by threads, bx groups of S sites
// along x (bx a power of two, at most `block`) and by = block/bx rows; a
// grid plane per z; along y enough blocks for every row, except for
// kernels that loop over rows (loop: qloop in fast.cu), which get at most 2
// here (the backend gives them more; results must not depend on it).
template <typename T, int S = qw<T>::n>
static void launch_rows(const qphi4& P, unsigned block, bool loop, const std::function<void()>& kernel) {
    const int dim = (int)P.dim;
    const int64_t lx = P.shape[dim - 1], groups = lx / S;
    const unsigned ly = dim >= 2 ? (unsigned)P.shape[dim - 2] : 1, gz = dim == 3 ? (unsigned)P.shape[0] : 1;
    unsigned bx = 1;
    while (bx < block && bx < groups) bx *= 2;
    const unsigned by = block / bx, gy = (ly + by - 1) / by;
    launch3((unsigned)((groups + bx - 1) / bx), loop && gy > 2 ? 2 : gy, gz, bx, by, kernel);
}

static std::vector<char> slurp(const char* path) {
    FILE* f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    std::vector<char> d;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) d.insert(d.end(), buf, buf + n);
    fclose(f);
    return d;
}

// with_dim calls f with the lattice's dimension as a compile-time constant,
// as the gpu backend picks a row kernel's entry point (kernels.RowKernel).
template <typename F>
static void with_dim(int64_t dim, F f) {
    switch (dim) {
    case 1: f(std::integral_constant<int, 1>{}); break;
    case 2: f(std::integral_constant<int, 2>{}); break;
    default: f(std::integral_constant<int, 3>{}); break;
    }
}

// overdamped_rows_entry calls the kernel entry point the gpu backend
// launches for T, the dimension and the scheme (em or lm); wide: the 8-site
// float32 EM kernels (kernels.WideRows).
template <typename T>
static void overdamped_rows_entry(T* next, const T* phi, const qphi4* P, uint64_t step, bool lm, bool wide) {
    if constexpr (sizeof(T) == 4) {
        if (wide) {
            if (P->dim == 1) phi4_overdamped_rows8_f32_d1(next, phi, step);
            else phi4_overdamped_rows8_f32_d2(next, phi, step);
            return;
        }
    }
#define QUENCH_EMU_OVERDAMPED(D)                                                      \
    if constexpr (sizeof(T) == 4) {                                                   \
        if (lm) phi4_lm_rows_f32_d##D(next, phi, step);                               \
        else phi4_overdamped_rows_f32_d##D(next, phi, step);                          \
    } else {                                                                          \
        if (lm) phi4_lm_rows_f64_d##D(next, phi, step);                               \
        else phi4_overdamped_rows_f64_d##D(next, phi, step);                          \
    }
    switch (P->dim) {
    case 1: QUENCH_EMU_OVERDAMPED(1) break;
    case 2: QUENCH_EMU_OVERDAMPED(2) break;
    default: QUENCH_EMU_OVERDAMPED(3)
    }
#undef QUENCH_EMU_OVERDAMPED
}

// run_phi4 applies `steps` steps of scheme to phi (and mom), as the gpu
// backend launches them, and writes the results.
// loop: the noise row kernels (EM, LM, BAOAB's first half) get the grid of
// looping kernels (kernels.RowLoops), the rest one that covers every row.
// The row kernels get blocks of 4 threads on even steps and 16 on odd ones
// (results must not depend on it), and the currents kernel a grid smaller
// than its work, so that its grid-stride loop runs.
template <typename T>
static void run_phi4(qphi4 P, int64_t scheme, int64_t steps, uint64_t step0, const char* data, FILE* out, bool fast,
                     bool loop, bool wide) {
    const int64_t n = P.nsites;
    std::vector<T> phi(n), next(n), mom(n), mu(n), cur(scheme == 3 ? n * P.dim : 0);
    memcpy(phi.data(), data, n * sizeof(T));
    if (scheme == 2) memcpy(mom.data(), data + n * sizeof(T), n * sizeof(T));
    quench_phi4 = P;  // once, as the gpu backend writes the block (the same every step)
    const qphi4* pp = QP;
    for (int64_t k = 0; k < steps; k++) {
        const uint64_t step = step0 + k;
        const unsigned blk = (k & 1) ? 16 : 4;
        switch (scheme) {
        case 0:
        case 1:
            if (wide) {
                launch_rows<T, 8>(P, blk, loop, [&] { overdamped_rows_entry<T>(next.data(), phi.data(), pp, step, false, true); });
            } else if (fast) {
                launch_rows<T>(P, blk, loop, [&] { overdamped_rows_entry<T>(next.data(), phi.data(), pp, step, scheme == 1, false); });
            } else {
                launch(3, 64, [&] { phi4_overdamped<T>(next.data(), phi.data(), pp, step, scheme == 1); });
            }
            break;
        case 2:
            if (fast) {
                with_dim(P.dim, [&](auto D) { launch_rows<T>(P, blk, loop, [&] { phi4_baoab1_rows<T, D>(next.data(), phi.data(), mom.data(), pp, step); }); });
                with_dim(P.dim, [&](auto D) { launch_rows<T>(P, blk, false, [&] { phi4_baoab2_rows<T, D>(next.data(), mom.data(), pp); }); });
            } else {
                launch(3, 64, [&] { phi4_baoab1<T>(next.data(), phi.data(), mom.data(), pp, step); });
                launch(3, 64, [&] { phi4_baoab2<T>(next.data(), mom.data(), pp); });
            }
            break;
        default:
            launch(1, 8, [&] { phi4_currents<T>(cur.data(), pp, step); });
            if (fast) {
                with_dim(P.dim, [&](auto D) { launch_rows<T>(P, blk, false, [&] { phi4_mu_rows<T, D>(mu.data(), phi.data(), pp); }); });
                with_dim(P.dim, [&](auto D) {
                    launch_rows<T>(P, blk, false, [&] { phi4_modelb_rows<T, D>(next.data(), phi.data(), mu.data(), cur.data(), pp); });
                });
            } else {
                launch(3, 64, [&] { phi4_mu<T>(mu.data(), phi.data(), pp); });
                launch(3, 64, [&] { phi4_modelb<T>(next.data(), phi.data(), mu.data(), cur.data(), pp); });
            }
        }
        std::swap(phi, next);
    }
    fwrite(phi.data(), sizeof(T), n, out);
    if (scheme == 2) fwrite(mom.data(), sizeof(T), n, out);
}

// phase_sums is PhaseSums of th[0..m): phase_partials on 2 blocks of 64
// threads, the partials added by groups of 64 blocks (quench.AddPartials)
template <typename T>
static void phase_sums(const T* th, int64_t m, double* CS) {
    const int64_t nblk = (m + 4095) / 4096;
    std::vector<double> partial(2 * nblk);
    launch(2, 64, [&] { phase_partials<T>(th, m, partial.data()); });
    CS[0] = CS[1] = 0;
    for (int64_t lo = 0; lo < nblk; lo += 64) {
        double g[2] = {0, 0};
        for (int64_t b = lo; b < nblk && b < lo + 64; b++) {
            g[0] += partial[2 * b];
            g[1] += partial[2 * b + 1];
        }
        CS[0] += g[0];
        CS[1] += g[1];
    }
}

// phase_sums_device is phase_sums as a kuramoto step takes them on the
// gpu backend: phase_partials, field_groups of the pairs (2 blocks of 8
// threads) and phase_total, the groups added on the device.
template <typename T>
static void phase_sums_device(const T* th, int64_t m, double* CS) {
    const int64_t nblk = (m + 4095) / 4096, ng = (nblk + 63) / 64;
    std::vector<double> partial(2 * nblk), groups(2 * ng);
    launch(2, 64, [&] { phase_partials<T>(th, m, partial.data()); });
    launch(2, 8, [&] { field_groups(partial.data(), nblk, 2, 0, groups.data()); });
    launch(2, 4, [&] { phase_total(groups.data(), ng, CS); });
}

template <typename T>
static void run_particles(qpart P, int64_t steps, bool has_omega, uint64_t step0, const char* data, FILE* out) {
    const int64_t m = P.m;
    std::vector<T> x(m), v(m), om(m);
    memcpy(x.data(), data, m * sizeof(T));
    memcpy(v.data(), data + m * sizeof(T), m * sizeof(T));
    if (has_omega) memcpy(om.data(), data + 2 * m * sizeof(T), m * sizeof(T));
    for (int64_t k = 0; k < steps; k++) {
        const uint64_t step = step0 + k;
        double CS[2] = {0, 0};
        if (P.potential == 2) {
            // the device's sums, which must be the host's (PhaseSums) bit
            // for bit: a measured step hands the host's to the next
            phase_sums_device<T>(x.data(), m, CS);
            double host[2];
            phase_sums<T>(x.data(), m, host);
            if (memcmp(CS, host, sizeof host) != 0) {
                fprintf(stderr, "step %llu: phase_total's sums %a %a, the host's %a %a\n", (unsigned long long)step, CS[0],
                        CS[1], host[0], host[1]);
                exit(3);
            }
        }
        const qpart* pp = &P;
        launch(3, 64, [&] { particle_step<T>(x.data(), v.data(), om.data(), pp, CS, step); });
    }
    fwrite(x.data(), sizeof(T), m, out);
    fwrite(v.data(), sizeof(T), m, out);
    if (P.potential == 2) {
        // the phase sums of the final phases, as the order parameter takes
        // them: at x (16-byte aligned: phase_partials' 16-byte loads), then
        // one element further (one load a phase)
        std::vector<T> shifted(m + 1);
        memcpy(shifted.data() + 1, x.data(), m * sizeof(T));
        double CS[4];
        phase_sums<T>(x.data(), m, CS);
        phase_sums<T>(shifted.data() + 1, m, CS + 2);
        fwrite(CS, sizeof(double), 4, out);
    }
}

// run_sandpile adds grains one at a time and relaxes them with the round
// loop of the gpu backend (tile lists, the round carried from grain to
// grain), or with its cooperative launches of sandpile_relax (relax); writes
// heights, activity, stamp, then the avalanche statistics of every grain
// (size, area, duration, lost).
static void run_sandpile(const char* data, FILE* out, bool relax) {
    int64_t hdr[5];  // dim, shape[3], grains
    memcpy(hdr, data, sizeof hdr);
    qsand P{};
    P.dim = hdr[0];
    static const int64_t tbits[4][3] = {{0}, {10}, {5, 5}, {3, 3, 4}};
    int64_t n = 1, tiles = 1;
    for (int a = (int)P.dim - 1; a >= 0; a--) {
        P.shape[a] = hdr[1 + a];
        P.stride[a] = n;
        n *= P.shape[a];
        P.tbits[a] = tbits[P.dim][a];
        P.ntile[a] = (P.shape[a] + (1 << P.tbits[a]) - 1) >> P.tbits[a];
        tiles *= P.ntile[a];
    }
    P.z = 2 * P.dim;
    const int64_t grains = hdr[4];
    const int64_t* sites = (const int64_t*)(data + sizeof hdr);
    std::vector<uint8_t> h(n), flag(2 * n);
    std::vector<int64_t> act(n);
    std::vector<int32_t> stamp(n), mark(2 * tiles), la(tiles), lb(tiles);
    memcpy(h.data(), data + sizeof hdr + 8 * grains, n);
    std::vector<int64_t> stats;
    unsigned long long round = 0;
    for (int64_t g = 0; g < grains; g++) {
        const int64_t site = sites[g];
        int64_t tile = 0;
        for (int a = 0; a < (int)P.dim; a++) tile = tile * P.ntile[a] + ((site / P.stride[a] % P.shape[a]) >> P.tbits[a]);
        P.avalanche = g + 1;
        qsand* pp = &P;
        int64_t size, area, dur, lost;
        if (relax) {
            // 3 blocks of 64 threads (16 sites of a tile each), at most 3
            // passes a launch: most avalanches take several launches
            unsigned long long rc[10] = {round};
            const unsigned long long p0 = round;
            int64_t at = site;
            while (!rc[1]) {
                launch_coop(3, 64, [&] {
                    sandpile_relax(h.data(), flag.data(), act.data(), stamp.data(), pp, rc, mark.data(), la.data(), lb.data(), at,
                                   tile, 3);
                });
                at = -1;
            }
            round = rc[0];
            size = rc[6], area = rc[7], dur = rc[5] ? rc[5] - p0 : 0, lost = rc[8];
        } else {
            unsigned long long c[15] = {0};
            c[3] = 1;
            c[5] = round;
            launch(1, 32, [&] { sandpile_grain(h.data(), site, c, la.data(), lb.data(), tile); });
            // queue rounds in batches of 3, as the gpu backend does (with
            // more), on a grid of 3 blocks, so that blocks share the tiles
            // and add their counts with atomics
            while (!c[13]) {
                for (int r = 0; r < 3; r++) {
                    launch(3, 8, [&] { sandpile_flags(h.data(), flag.data(), act.data(), stamp.data(), pp, c, mark.data(), la.data(), lb.data()); });
                    launch(3, 8, [&] { sandpile_apply(h.data(), flag.data(), pp, c, la.data(), lb.data()); });
                }
            }
            round = c[5] + 1;
            size = c[9], area = c[10], dur = c[12], lost = c[11];
        }
        for (int64_t i = 0; i < 2 * n; i++) {
            if (flag[i]) {  // the kernels' invariant: no flag survives an avalanche
                fprintf(stderr, "grain %lld: flag %d left at site %lld\n", (long long)g, flag[i], (long long)i);
                exit(3);
            }
        }
        stats.insert(stats.end(), {size, area, dur, lost});
    }
    fwrite(h.data(), 1, n, out);
    fwrite(act.data(), 8, n, out);
    fwrite(stamp.data(), 4, n, out);
    fwrite(stats.data(), 8, stats.size(), out);
}

// launch_mass_rows launches mass_class_rows like the gpu backend
// (kernels.MassRowGrid): blocks of bx groups of 4 sites times by rows, a
// class across the rows on half of them.
static void launch_mass_rows(const qmass& P, unsigned block, const std::function<void()>& kernel) {
    const int last = (int)P.dim - 1;
    const int64_t groups = P.shape[last] / 4, ly = last ? P.shape[0] : 1;
    unsigned bx = 1;
    while (bx < block && bx < groups) bx *= 2;
    const unsigned by = block / bx;
    const int64_t rows = P.axis == last ? ly : ly / 2;
    launch3((unsigned)((groups + bx - 1) / bx), (unsigned)((rows + by - 1) / by), 1, bx, by, kernel);
}

// run_mass: in = sweeps, injection, classes, first step (int64 each), the
// classes' qmass blocks, the masses; sweeps of every class; rows:
// mass_class_rows (blocks of 4 and 16 threads on alternate sweeps) instead
// of mass_class.
static void run_mass(const char* data, FILE* out, bool rows) {
    int64_t h[4];
    memcpy(h, data, sizeof h);
    const int64_t sweeps = h[0], inj = h[1], ncls = h[2];
    const uint64_t step0 = h[3];
    std::vector<qmass> cls(ncls);
    memcpy(cls.data(), data + sizeof h, ncls * sizeof(qmass));
    const int64_t n = cls[0].nsites;
    std::vector<int64_t> m(n);
    memcpy(m.data(), data + sizeof h + ncls * sizeof(qmass), n * 8);
    for (int64_t s = 0; s < sweeps; s++) {
        for (auto& c : cls) {
            const qmass* pp = &c;  // each class's block stays the same, as on the gpu backend
            const uint64_t step = step0 + s;
            if (rows) launch_mass_rows(c, (s & 1) ? 16 : 4, [&] { mass_class_rows(m.data(), pp, step); });
            else launch(2, 16, [&] { mass_class(m.data(), pp, step); });
        }
        if (cls[0].rule == 1 && inj != 0) launch(1, 16, [&] { mass_inject(m.data(), n, inj); });
    }
    fwrite(m.data(), 8, n, out);
}

// run_diffuse: in: elem size, steps, the qphi4 block, u; out: u after.
template <typename T>
static void run_diffuse(qphi4 P, int64_t steps, const char* data, FILE* out, bool fast = false) {
    std::vector<T> u(P.nsites), v(P.nsites);
    memcpy(u.data(), data, P.nsites * sizeof(T));
    quench_phi4 = P;
    const qphi4* pp = QP;
    for (int64_t s = 0; s < steps; s++) {
        const unsigned blk = (s & 1) ? 16 : 4;
        if (fast) {
            with_dim(P.dim, [&](auto D) { launch_rows<T>(P, blk, false, [&] { diffuse_rows<T, D>(v.data(), u.data(), pp); }); });
        } else {
            launch(2, 32, [&] { diffuse<T>(v.data(), u.data(), pp); });
        }
        std::swap(u, v);
    }
    fwrite(u.data(), sizeof(T), P.nsites, out);
}

int main(int argc, char** argv) {
    if (argc != 4) { fprintf(stderr, "usage: emu sweep|kat in out\n"); return 2; }
    std::vector<char> in = slurp(argv[2]);
    FILE* out = fopen(argv[3], "wb");
    if (strcmp(argv[1], "kat") == 0) {
        int64_t n;
        memcpy(&n, in.data(), 8);
        const uint32_t* ctr = (const uint32_t*)(in.data() + 8);
        const uint32_t* key = ctr + 4 * n;
        std::vector<uint32_t> res(4 * n);
        launch((unsigned)((n + 63) / 64), 64, [&] { philox_kat(ctr, key, res.data(), n); });
        fwrite(res.data(), 4, res.size(), out);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "gauss") == 0) {
        // in = n, then n Philox outputs (4 words each); out = per output the
        // 4 floats of quench_gaussians32, then the 2 doubles of quench_gaussians
        int64_t n;
        memcpy(&n, in.data(), 8);
        const uint32_t* w = (const uint32_t*)(in.data() + 8);
        const qtab32 tb = quench_tab32_global();
        for (int64_t i = 0; i < n; i++) {
            const uint4 u = make_uint4(w[4 * i], w[4 * i + 1], w[4 * i + 2], w[4 * i + 3]);
            float g[4];
            quench_gaussians32(u, g, tb);
            double d[2];
            quench_gaussians(u, &d[0], &d[1]);
            fwrite(g, 4, 4, out);
            fwrite(d, 8, 2, out);
        }
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "phi4") == 0 || strcmp(argv[1], "phi4fast") == 0 || strcmp(argv[1], "phi4wide") == 0) {
        const bool fast = strcmp(argv[1], "phi4fast") == 0, wide = strcmp(argv[1], "phi4wide") == 0;
        int64_t h[5];  // elem size, scheme, steps, whether the host launches the noise row kernels as looping, first step
        memcpy(h, in.data(), sizeof h);
        qphi4 P;
        memcpy(&P, in.data() + sizeof h, sizeof P);
        const char* data = in.data() + sizeof h + sizeof P;
        if (h[0] == 8) run_phi4<double>(P, h[1], h[2], h[4], data, out, fast, h[3] != 0, false);
        else run_phi4<float>(P, h[1], h[2], h[4], data, out, fast, h[3] != 0, wide);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "mass") == 0 || strcmp(argv[1], "massrows") == 0) {
        run_mass(in.data(), out, strcmp(argv[1], "massrows") == 0);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "diffuse") == 0 || strcmp(argv[1], "diffusefast") == 0) {
        const bool fast = strcmp(argv[1], "diffusefast") == 0;
        int64_t h[2];
        memcpy(h, in.data(), sizeof h);
        qphi4 P;
        memcpy(&P, in.data() + sizeof h, sizeof P);
        if (h[0] == 8) run_diffuse<double>(P, h[1], in.data() + sizeof h + sizeof P, out, fast);
        else run_diffuse<float>(P, h[1], in.data() + sizeof h + sizeof P, out, fast);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "fieldsums") == 0) {
        int64_t h[6];
        memcpy(h, in.data(), sizeof h);
        const int64_t n = h[5], nblk = (n + 4095) / 4096, size = h[0] == 4 ? 4 : 8;
        // the elements at a 16-byte aligned address (the 16-byte loads)
        // and one element further (the loads of one element each)
        std::vector<double> buf(n + 2);
        for (int64_t shift : {int64_t(0), size}) {
            char* data = (char*)buf.data() + shift;
            memcpy(data, in.data() + sizeof h, n * size);
            std::vector<double> partial(nblk * (6 + 3 * h[1]));
            // 2 blocks of 8 threads: the table loop and the grid-stride
            // loop both run more than once
            if (h[0] == 4) launch(2, 8, [&] { field_sums_f32((const float*)data, n, h[1], h[2], h[3], h[4], partial.data()); });
            else if (h[0] == 8) launch(2, 8, [&] { field_sums_f64((const double*)data, n, h[1], h[2], h[3], h[4], partial.data()); });
            else launch(2, 8, [&] { field_sums_i64((const int64_t*)data, n, h[1], h[2], h[3], h[4], partial.data()); });
            fwrite(partial.data(), 8, partial.size(), out);
            // and field_groups of those partials, on 2 blocks of 8 threads
            const int64_t ng = (nblk + 63) / 64, width = 6 + 3 * h[1];
            std::vector<double> groups(ng * width + (h[0] == 9 ? ng : 0));
            launch(2, 8, [&] { field_groups(partial.data(), nblk, width, h[0] == 9, groups.data()); });
            fwrite(groups.data(), 8, groups.size(), out);
        }
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "fieldgroups") == 0) {
        int64_t h[3];
        memcpy(h, in.data(), sizeof h);
        const int64_t width = h[0], nblk = h[2], ng = (nblk + 63) / 64;
        std::vector<double> partial(nblk * width), groups(ng * width + (h[1] ? ng : 0));
        memcpy(partial.data(), in.data() + sizeof h, partial.size() * 8);
        // 3 blocks of 32 threads: the grid-stride loop runs more than once
        launch(3, 32, [&] { field_groups(partial.data(), nblk, width, h[1], groups.data()); });
        fwrite(groups.data(), 8, groups.size(), out);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "phasetotal") == 0) {
        int64_t ng;
        memcpy(&ng, in.data(), 8);
        std::vector<double> groups(2 * ng);
        if (ng > 0) memcpy(groups.data(), in.data() + 8, groups.size() * 8);  // (no null pointer to memcpy)
        double cs[2] = {-1, -1};
        launch(2, 4, [&] { phase_total(groups.data(), ng, cs); });  // thread 0 of block 0 adds
        fwrite(cs, 8, 2, out);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "sandpile") == 0 || strcmp(argv[1], "sandpile-relax") == 0) {
        run_sandpile(in.data(), out, strcmp(argv[1], "sandpile-relax") == 0);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "gridbarrier") == 0) {
        // in: skip (int64); a cooperative launch of 6 blocks of 16 threads
        int64_t skip;
        memcpy(&skip, in.data(), 8);
        std::vector<unsigned long long> bar(1), count(40), res(40);
        launch_coop(6, 16, [&] { grid_barrier(bar.data(), count.data(), res.data(), skip); });
        fwrite(res.data(), 8, res.size(), out);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "sharedjunk") == 0) {
        std::vector<uint64_t> seen(2 * 2 * 256);
        launch(64, 4, [&] { shared_junk(seen.data()); });
        launch(64, 4, [&] { shared_junk(seen.data() + 512); });
        fwrite(seen.data(), 8, seen.size(), out);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "heightcounts") == 0) {
        // in: nbox, e1, e2, s0, s1, origin (int64), the heights; out: the
        // 8 counts on 3 blocks of 64 threads, then on 1 block of 256
        int64_t g[6];
        memcpy(g, in.data(), sizeof g);
        const uint8_t* h = (const uint8_t*)in.data() + sizeof g;
        unsigned long long a[8] = {0}, b[8] = {0};
        launch(3, 64, [&] { height_counts(h, g[0], g[1], g[2], g[3], g[4], g[5], a); });
        launch(1, 256, [&] { height_counts(h, g[0], g[1], g[2], g[3], g[4], g[5], b); });
        fwrite(a, 8, 8, out);
        fwrite(b, 8, 8, out);
        fclose(out);
        return 0;
    }
    if (strcmp(argv[1], "particles") == 0) {
        int64_t h[4];  // elem size, steps, has omega, first step
        memcpy(h, in.data(), sizeof h);
        qpart P;
        memcpy(&P, in.data() + sizeof h, sizeof P);
        const char* data = in.data() + sizeof h + sizeof P;
        if (h[0] == 8) run_particles<double>(P, h[1], h[2] != 0, h[3], data, out);
        else run_particles<float>(P, h[1], h[2] != 0, h[3], data, out);
        fclose(out);
        return 0;
    }
    // header: dim, shape[4], seed, step0, steps, replica, seg (0/1) as int64
    int64_t h[10];
    memcpy(h, in.data(), sizeof h);
    const int64_t dim = h[0];
    int64_t shape[4] = {h[1], h[2], h[3], h[4]};
    const uint64_t seed = h[5], step0 = h[6], steps = h[7], replica = h[8];
    const bool seg = h[9] != 0;
    int64_t n = 1;
    for (int a = 0; a < dim; a++) n *= shape[a];
    std::vector<int8_t> s(n);
    memcpy(s.data(), in.data() + sizeof h, n);
    int32_t table[64];
    memcpy(table, in.data() + sizeof h + n, sizeof table);
    const int64_t lx = shape[dim - 1];
    for (uint64_t st = step0; st < step0 + steps; st++) {
        for (uint64_t phase = 0; phase < 2; phase++) {
            if (seg) {
                const int64_t lz = dim == 3 ? shape[0] : 1, ly = shape[dim - 2];
                launch(3, 64, [&] { ising_phase_seg(s.data(), table, lz, ly, lx, seed, st, replica, phase, dim); });
            } else {
                launch(3, 64, [&] { ising_phase_site(s.data(), table, shape, dim, n, seed, st, replica, phase); });
            }
        }
    }
    unsigned long long sums[3] = {0, 0, 0};
    launch(2, 64, [&] { ising_sums(s.data(), shape, dim, n, sums); });
    int64_t nplanes = 0;
    for (int a = 0; a < dim; a++) nplanes += shape[a];
    std::vector<unsigned long long> planes(nplanes, 0), stag(nplanes, 0);
    launch(2, 64, [&] { ising_planes(s.data(), shape, dim, n, 0, planes.data()); });
    launch(2, 64, [&] { ising_planes(s.data(), shape, dim, n, 1, stag.data()); });
    fwrite(s.data(), 1, n, out);
    fwrite(sums, 8, 3, out);
    fwrite(planes.data(), 8, nplanes, out);
    fwrite(stag.data(), 8, nplanes, out);
    fclose(out);
    return 0;
}
