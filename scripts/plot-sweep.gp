# Renders a `client sweep` CSV (connections,rate,p50_us,p99_us,errors): rate on the left axis,
# p50 and p99 latency on the right, against connections on a log2 axis.
#   gnuplot -e "csvfile='sweep.csv'; pngfile='sweep.png'; plottitle='echo rr 64 B'" scripts/plot-sweep.gp
if (!exists("csvfile")) csvfile = 'sweep.csv'
if (!exists("pngfile")) pngfile = 'sweep.png'
if (!exists("plottitle")) plottitle = 'client sweep'
# gnuplot-nox builds may lack cairo; the libgd png terminal is the fallback.
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
  set terminal pngcairo size 960,560 font "sans,11"
} else {
  set terminal png size 960,560
}
set output pngfile
set datafile separator ','
set title plottitle
set key top left box opaque
set logscale x 2
set xlabel 'connections'
set ylabel 'rate (messages/s)'
set y2label 'latency (us)'
set ytics nomirror
set y2tics
set format y '%.0s%c'
set grid xtics ytics
set yrange [0:*]
set y2range [0:*]
plot csvfile skip 1 using 1:2 axes x1y1 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'rate (msg/s)', \
     csvfile skip 1 using 1:4 axes x1y2 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'p99 latency (us)', \
     csvfile skip 1 using 1:3 axes x1y2 with linespoints lw 1 dt 2 pt 4 lc rgb '#ff7f0e' title 'p50 latency (us)'
