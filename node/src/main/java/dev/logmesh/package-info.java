package dev.logmesh;
