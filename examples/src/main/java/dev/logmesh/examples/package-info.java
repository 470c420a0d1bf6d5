package dev.logmesh.examples;
