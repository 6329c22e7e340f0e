//! Design-based survey statistics (stratified designs with fpc).
