//! Distribution: one run or sweep spread over processes and machines. Part
//! files and merging them back ([`part`]), and Slurm job scripts ([`slurm`]).
//! Merged results equal a single machine's bytes.

pub mod merge;
pub mod part;
pub mod slurm;
