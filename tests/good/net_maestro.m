// A MAESTRO network in the forms MAESTRO's own files use (a seed of the fuzz_spec
// target): Constants, names with '-', colons left out, Y' / X' output sizes, DSCONV
// with K: 1, a repeated layer name, a Dataflow block that is read over.
Constant Batch 2;
Network seed.net {
  Layer conv-1 {
    Type: CONV
    Stride { X: 2, Y: 2 }
    Dimensions { N Batch, K 32, C 3, R 3, S 3, Y 33, X 33 }
    Dataflow {
      SpatialMap(1,1) K;
      TemporalMap(Sz(R),Sz(R)) R;
      Cluster(16, P);
      SpatialMap(1,1) C;
    }
  }
  Layer dw { Type: DSCONV Dimensions { K: 1, C: 32, R: 3, S: 3, Y': 14, X': 14 } }
  Layer fc { Type: GEMM Dimensions { M: 10, N: Batch, K: 512 } }
  Layer fc { Type: FC Dimensions { N: 1, K: 10, C: 512 } }
}
