# Renders the echo benchmark's throughput per cell (pattern/payload/connections) for the four
# servers: the echo inside the kernel (--io sockmap), percore on epoll and on io_uring, and the
# minimal epoll loop; log scale, so the distance from "no user space" reads as a gap.
#   gnuplot -e "datafile='plot.dat'; pngfile='docs/echo-bench.png'" scripts/plot-echo-bench.gp
# plot.dat: cell kernel epoll uring ref (msg/s; "?" where the kernel echo was unavailable).
if (!exists("datafile")) datafile = 'plot.dat'
if (!exists("pngfile")) pngfile = 'docs/echo-bench.png'
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 1300,600 font "sans,10"
} else {
  set terminal png size 1300,600
}
set output pngfile
set datafile missing '?'
set title 'percore echo server: messages/s per cell (median of interleaved runs), kernel = no user space'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -45 scale 0 font ",9"
set rmargin 8
set ylabel 'messages/s (log scale)'
set logscale y
set grid ytics
set key top right
plot datafile using 2:xtic(1) title 'kernel (sockmap)' lc rgb '#7f7f7f', \
     '' using 3 title 'epoll' lc rgb '#1f77b4', \
     '' using 4 title 'io_uring' noenhanced lc rgb '#2ca02c', \
     '' using 5 title 'minimal epoll loop' lc rgb '#ff7f0e'
