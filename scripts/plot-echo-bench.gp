# Renders the echo benchmark's ratios per cell (pattern/payload/connections): io_uring over epoll,
# and percore epoll over the reference loop; 1.0 is parity.
#   gnuplot -e "datafile='plot.dat'; pngfile='docs/echo-bench.png'" scripts/plot-echo-bench.gp
if (!exists("datafile")) datafile = 'plot.dat'
if (!exists("pngfile")) pngfile = 'docs/echo-bench.png'
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 1200,560 font "sans,10"
} else {
  set terminal png size 1200,560
}
set output pngfile
set title 'percore echo server: throughput ratios per cell (median of interleaved runs)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set xtics rotate by -45 scale 0 font ",9"
set rmargin 8
set ylabel 'ratio'
set yrange [0:*]
set grid ytics
set key top right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb '#444444'
plot datafile using 2:xtic(1) title 'uring / epoll' lc rgb '#2ca02c', \
     '' using 3 title 'epoll / ref loop' lc rgb '#1f77b4'
